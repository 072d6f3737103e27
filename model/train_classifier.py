"""Train the project's own CIFAR-10 classifier, the feature extractor of `model.eval` and the judge of
class-conditional samples and restored images:

    python -m model.train_classifier train --data <CIFAR-10 dir> --out model/weights/classifier.pt

A quarter-width ResNet-9 (model/networks/resnet9.py, about 0.4M parameters), trained with its
recipe (model/training/classifier_trainer.py) in about half an hour on one CPU core.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import asdict
from typing import Optional

from .networks.resnet9 import ClassifierConfig
from .training.classifier_trainer import TrainSettings, save, train_and_test
from .training.data import DatasetError, load_cifar10
from .training.threads import use_cpu_threads


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m model.train_classifier", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train on CIFAR-10 and save the weights with their test accuracy")
    train.add_argument("--data", required=True, help="CIFAR-10 directory (official binary or python layout)")
    train.add_argument("--out", required=True, help="where to write the classifier, e.g. model/weights/classifier.pt")
    train.add_argument("--run-dir", help="where to keep a resumable training state (saved after every epoch)")
    train.add_argument("--width", type=int, default=ClassifierConfig.width)
    for name, default in asdict(TrainSettings()).items():
        train.add_argument("--" + name.replace("_", "-"), type=type(default), default=default)
    args = parser.parse_args(argv)
    use_cpu_threads()
    try:
        train_set, test_set = load_cifar10(args.data, "train"), load_cifar10(args.data, "test")
    except DatasetError as e:
        sys.exit(f"error: {e}")
    settings = TrainSettings(**{k: getattr(args, k) for k in asdict(TrainSettings())})
    state_path = os.path.join(args.run_dir, "state.pt") if args.run_dir else None
    net, facts = train_and_test(train_set, test_set, args.width, settings, state_path)
    save(args.out, net, facts)
    print(f"wrote {args.out}: {facts['parameters']} parameters, test accuracy {facts['test_accuracy']:.4f} "
          f"on {len(test_set)} images")


if __name__ == "__main__":
    main()
