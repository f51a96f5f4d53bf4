import pytest
from pydantic import BaseModel, ConfigDict

from nex_assets.common.yaml_files import load_named, read_yaml


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


BOMB = """name: box
a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
"""


def test_an_alias_bomb_is_refused_before_anything_walks_it(tmp_path):
    path = tmp_path / "box.yaml"
    path.write_text(BOMB)
    with pytest.raises(ThingError, match=r"box.yaml: aliases expand to more than 100,000 values"):
        read_yaml(path, ThingError)


def test_a_recursive_alias_is_refused(tmp_path):
    path = tmp_path / "box.yaml"
    path.write_text("name: box\nloop: &a [1, *a]\n")
    with pytest.raises(ThingError, match=r"box.yaml: an alias refers to a value that contains it"):
        read_yaml(path, ThingError)


def test_modest_aliases_still_work(tmp_path):
    path = tmp_path / "box.yaml"
    path.write_text("base: &b {x: 1, y: [1, 2]}\none: *b\ntwo: *b\n")
    assert read_yaml(path, ThingError) == {
        "base": {"x": 1, "y": [1, 2]},
        "one": {"x": 1, "y": [1, 2]},
        "two": {"x": 1, "y": [1, 2]},
    }


def test_a_file_too_large_to_be_settings_is_refused_by_size(tmp_path):
    path = tmp_path / "box.yaml"
    path.write_text("name: box\n" + "# padding\n" * 200_000)
    with pytest.raises(ThingError, match=r"box.yaml: 2,000,010 bytes; a settings file may hold at most"):
        read_yaml(path, ThingError)


def test_settings_are_read_by_one_call_that_names_the_file_and_field(tmp_path):
    from nex_assets.common.yaml_files import SettingsError, load_settings

    class Settings(BaseModel):
        model_config = ConfigDict(extra="forbid")
        retries: int = 3

    assert load_settings(tmp_path / "missing.yaml", Settings).retries == 3
    path = tmp_path / "s.yaml"
    path.write_text("retries: many\n")
    with pytest.raises(SettingsError, match=r"s.yaml: retries: Input should be a valid integer"):
        load_settings(path, Settings)
