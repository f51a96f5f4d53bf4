"""Settings of NEX Studio, from ``config/studio.yaml``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from nex_assets.common.yaml_files import SettingsFile


class VendoredFile(BaseModel):
    """A third-party file a served page loads from a CDN, kept locally: ``url`` is rewritten to it."""

    model_config = ConfigDict(extra="forbid")
    url: str
    npm: str  # package@version
    file: str  # path inside the package
    with_: list[str] = Field(default_factory=list, alias="with")  # files the first one loads by relative path

    @property
    def package(self) -> str:
        return self.npm.rsplit("@", 1)[0]

    @property
    def version(self) -> str:
        return self.npm.rsplit("@", 1)[1]

    def local(self, name: str | None = None) -> str:
        """The path under the vendor folder, by package and version so two versions never collide."""
        return f"{self.package.lstrip('@').replace('/', '__')}-{self.version}/{name or self.file}"


class StudioSettings(SettingsFile):
    FILE = "studio.yaml"
    host: str = "127.0.0.1"
    port: int = Field(3001, ge=1, le=65535)
    page_rows: int = Field(50, ge=1, le=1000)
    chart_max_points: int = Field(500, ge=10, le=10000)
    conversations_listed: int = Field(50, ge=1, le=1000)
    review_page_size: int = Field(100, ge=1, le=1000)
    # The largest request body a change or a question may send (a question is a few lines; a form an entry).
    max_body_bytes: int = Field(262_144, ge=1024, le=16 * 1024 * 1024)
    vendor: list[VendoredFile] = Field(default_factory=list)
