"""The project's personas, as `nex ask --persona` reads them: real tools, distinct prompts and styles."""

from __future__ import annotations

import yaml

from nex_assets.chat.personas import load_persona
from nex_assets.chat.tools import TOOLS
from tests.core.helpers import ROOT

PATH = ROOT / "config" / "personas.yaml"


def test_each_persona_loads_with_real_tools_and_its_own_style():
    names = set(yaml.safe_load(PATH.read_text())["personas"])
    assert names == {"analyst", "sql", "advisor"}
    personas = {name: load_persona(name, PATH) for name in names}
    for persona in personas.values():
        assert persona.allowed_tools and set(persona.allowed_tools) <= set(TOOLS)
        assert persona.style and "Answer style:" in persona.prompt()
    assert "run_query" in personas["sql"].allowed_tools and "sample_rows" not in personas["sql"].allowed_tools
    assert "```sql" in personas["sql"].style
    assert "(file, page)" in personas["advisor"].style
    assert personas["analyst"].system_prompt.startswith("You are a careful data analyst")
    assert len({p.prompt() for p in personas.values()}) == 3
