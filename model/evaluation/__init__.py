"""How good a model version is:

metrics      Frechet distance, PSNR and SSIM
baselines    classical restorers to stand the diffusion prior beside
judge        the classifier that scores samples and restorations, with its reference Gaussian
generation   samples' Frechet distance and class accuracy, and the sweeps over samplers, steps and guidance
restoration  restoring held-out test images, as the page does
photos       restoring real photos at their own size, tile by tile
report       progress, the metrics JSON and its tables
"""
