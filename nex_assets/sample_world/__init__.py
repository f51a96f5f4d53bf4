"""NEX Retail, the sample world: a deterministic retailer with planted ground truth.

``vocabulary`` (the words it is written in), ``model`` (the truth its models must recover), ``weeks``
(calendar and seasonality) and one module per table compute; ``world.generate`` is the only place
that writes files.
"""

from nex_assets.sample_world.size import MIN_WEEKS, WorldSize
from nex_assets.sample_world.vocabulary import CATEGORIES, SEGMENTS
from nex_assets.sample_world.world import generate

__all__ = ["CATEGORIES", "MIN_WEEKS", "SEGMENTS", "WorldSize", "generate"]
