"""The diffusion maths, file for file the Python reference of web/src/diffusion/:

schedule    noise schedules, sampling timesteps, the forward process and training loss, eps/v/x0 conversions
samplers    DDPM, DDIM and DPM-Solver++(2M)/(3M), with one signature
guidance    classifier-free guidance in a noise interval
defaults    the settings a version is sampled and restored at (the manifest's `defaults`)
generate    images from a network: the page's generation (web/src/inference/generate-job.ts)
restore     DDNM+ restoration with RePaint resampling, and whole photos on a canvas of tiles
tiles       a model-sized network over an image of any size
fill        a smooth first guess for lost pixels
noise_level how noisy a photo is

Import from the modules themselves (`from model.diffusion.samplers import SAMPLERS`).
"""
