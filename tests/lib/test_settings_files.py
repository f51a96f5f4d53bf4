import pytest
from pydantic import BaseModel, ConfigDict

from nex_assets.lib.settings_files import load_named, read_yaml


class Thing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    size: int = 1
    file: str


class ThingError(ValueError):
    pass


def test_loads_a_named_file_and_records_where_it_came_from(tmp_path):
    path = tmp_path / "box.yaml"
    path.write_text("name: box\nsize: 3\n")
    thing = load_named(path, Thing, ThingError, "thing")
    assert (thing.name, thing.size, thing.file) == ("box", 3, str(path))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: [unclosed\n", r"box.yaml: not valid YAML"),
        ("- a list\n", r"box.yaml: expected a mapping of thing settings, got list"),
        ("name: box\nsize: big\n", r"box.yaml: size: Input should be a valid integer"),
        ("name: box\ncolour: red\n", r"box.yaml: colour: Extra inputs are not permitted"),
        ("name: crate\n", r"box.yaml: the file must be named after its thing \(crate.yaml\)"),
    ],
)
def test_every_mistake_names_the_file_and_the_field(tmp_path, text, message):
    path = tmp_path / "box.yaml"
    path.write_text(text)
    with pytest.raises(ThingError, match=message):
        load_named(path, Thing, ThingError, "thing")


def test_read_yaml_raises_the_callers_error(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: b: c\n")
    with pytest.raises(ThingError, match=r"x\.yaml: not valid YAML"):
        read_yaml(path, ThingError)
