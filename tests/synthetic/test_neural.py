"""CTGAN and TVAE: trained on the CPU here, on CUDA where there is one (``pytest -m gpu``), with
their epochs and losses in the run's log, and placed in the ``gpu`` pool with GPU tags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.synthetic.logic.fit import TableInput, synthesize
from nex_assets.synthetic.logic.plan import ColumnInfo, plan_table
from nex_assets.synthetic.logic.settings import SyntheticSettings


def _table() -> TableInput:
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame(
        {
            "id": [f"R{i:04d}" for i in range(n)],
            "amount": rng.gamma(2.0, 10.0, size=n).round(2),
            "colour": rng.choice(["red", "green", "blue"], size=n),
        }
    )
    info = {
        "id": ColumnInfo("text", "identifier"),
        "amount": ColumnInfo("double precision", "numeric"),
        "colour": ColumnInfo("text", "categorical"),
    }
    return TableInput("t", frame, plan_table(frame, info, ["id"], high_cardinality_share=0.9))


def _fit(synthesizer: str, device: str):
    lines: list[str] = []
    settings = SyntheticSettings(synthesizer=synthesizer, epochs=4, batch_size=50, seed=1)
    out = synthesize([_table()], [], settings, device=device, progress=lines.append)
    return out, lines


@pytest.mark.parametrize("synthesizer", ["ctgan", "tvae"])
def test_neural_synthesizers_train_and_log_their_epochs(synthesizer):
    out, lines = _fit(synthesizer, "cpu")
    table = out.tables["t"]
    assert len(table) == 200 and table["id"].is_unique and set(table["colour"]) <= {"red", "green", "blue"}
    assert any(f"{synthesizer}: epoch 4/4" in line for line in lines), lines
    assert [row["Epoch"] for row in out.losses] == [0, 1, 2, 3]


def test_neural_assets_use_the_gpu_pool_and_placement_tags():
    from nex_assets.synthetic.assets import single_asset

    ds = Dataset(name="shop", source={"path": "shop.csv"}, primary_key=["id"])
    neural = single_asset(ds, SyntheticSettings(synthesizer="ctgan"))
    assert neural.op.pool == "gpu"
    assert neural.op.tags["nex/compute"] == "gpu"
    assert "nvidia.com/gpu" in str(neural.op.tags["dagster-k8s/config"])
    copula = single_asset(ds, SyntheticSettings())
    assert copula.op.pool is None and "nex/compute" not in copula.op.tags


@pytest.mark.gpu
@pytest.mark.parametrize("synthesizer", ["ctgan", "tvae"])
def test_neural_synthesizers_train_on_cuda(synthesizer):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    out, lines = _fit(synthesizer, "cuda")
    assert out.synthesizer._model._device.type == "cuda"
    assert any("(cuda)" in line for line in lines)
    assert len(out.tables["t"]) == 200
