"""Golden vectors that hold web/src/diffusion/ to the Python reference in model/diffusion/: the commands
`model.golden` and `model.restore_golden` write them to test/fixtures/, and both languages' tests replay them.
"""
