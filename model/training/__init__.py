"""Training and what it needs:

config              TrainConfig and the named presets, as command-line flags
data                CIFAR-10 and image folders, loaded into memory
checkpoint          atomic checkpoints, and the EMA network they hold
trainer             the training loop (CPU, GPU, DDP) and `train`, one whole run
images              sample grids and the loss curve as PNG files
threads             CPU threads for torch
classifier_trainer  fitting, saving and loading the evaluation's classifier
shapes              the synthetic dataset of the test model
throughput          FLOPs per image, a run's images/s and fraction of peak, the trainer beside a plain loop
"""
