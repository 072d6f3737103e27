"""Golden vectors that hold web/src/diffusion/ to the Python reference in model/diffusion/:
`python -m model.golden` writes them to test/fixtures/, and both languages' tests replay them.
"""
