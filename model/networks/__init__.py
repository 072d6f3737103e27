"""The networks: `unet` (the denoiser the page runs) and `classifier` (the evaluation's judge)."""
