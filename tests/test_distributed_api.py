"""nerve.distributed in one process, no mpirun: what a user without the mpi extra sees, and the
errors before init(). The 2-rank behaviour is test_distributed.py's."""

from __future__ import annotations

import sys

import pytest

import nerve
import nerve.distributed as nd


def test_missing_extra_names_the_pip_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py raises ImportError
    monkeypatch.setattr(nd._mpi._State, "comm", None)
    with pytest.raises(ImportError, match=r'pip install "nerve\[mpi\]"'):
        nd.init()
    assert not nd.is_initialized()


@pytest.mark.parametrize("call", [nd.rank, nd.size, nd.barrier])
def test_rank_and_size_need_init(monkeypatch, call):
    monkeypatch.setattr(nd._mpi._State, "comm", None)
    with pytest.raises(RuntimeError, match=r"call nerve.distributed.init\(\) first"):
        call()


def test_distribute_needs_init(monkeypatch):
    monkeypatch.setattr(nd._mpi._State, "comm", None)
    model = nerve.Sequential([nerve.Input((2,)), nerve.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(RuntimeError, match="init"):
        nd.distribute(model)


def test_warmup_rejects_bad_arguments():
    with pytest.raises(ValueError, match="initial_learning_rate must be positive"):
        nd.LearningRateWarmup(0.0)
    with pytest.raises(ValueError, match="warmup_epochs must be positive"):
        nd.LearningRateWarmup(0.1, warmup_epochs=0)


def test_the_trainer_runs_unchanged_without_a_reducer():
    model = nerve.Sequential([nerve.Input((2,)), nerve.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    assert model._trainer.gradient_reducer is None
