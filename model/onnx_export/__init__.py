"""From a checkpoint to what the browser runs (named so as not to shadow the `model.export` command):

graph    the ONNX graph of the network and its interface
fp16     the graph computing in fp16, the timestep features in fp32
parity   parity.json (inputs with PyTorch's outputs, the int8 file's band checks) and the ONNX files' parity with it
manifest the contract with the Worker and the page
version  a whole export directory from a checkpoint
"""
