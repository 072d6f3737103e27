"""The networks: `unet` (the denoiser the page runs) and `resnet9` (the classifier that judges the evaluation)."""
