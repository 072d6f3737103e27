"""edge-diffusion's Python side. The modules here are the commands (`python -m model.<command>`), each a
thin argparse `main()`; the packages are the library they call: diffusion (the maths, mirrored in
web/src/diffusion/), networks, training, evaluation, onnx_export and golden_cases (golden vectors for the mirror).
"""
