"""Pieces the fixture generators share when they drive the reference PyTorch pipeline."""
from concurrent.futures import Future

import torch


def uniform_matrix(p, gen):
    """Uniform weights of std ~0.87/sqrt(fan_in)."""
    fan_in = p[0].numel()
    return (torch.rand(p.shape, generator=gen) * 2 - 1) * (1.5 / fan_in ** 0.5)


def randomize_dit(model, gen, matrix=uniform_matrix):
    """Non-zero random weights everywhere (F5 zero-initialises AdaLN and proj_out); weight matrices and
    convolution kernels from `matrix(parameter, gen)`."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("text_embed.text_embed.weight"):
                p.copy_(torch.randn(p.shape, generator=gen))
            elif p.ndim >= 2:
                p.copy_(matrix(p, gen))
            elif name.endswith("norm.weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=gen))
            else:  # biases, GRN gamma / beta
                p.copy_(0.2 * torch.randn(p.shape, generator=gen))


class SyncExecutor:
    """Replaces infer_batch_process's thread pool so chunks run (and draw their noise) in order."""

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def submit(self, fn, *args):
        future = Future()
        future.set_result(fn(*args))
        return future
