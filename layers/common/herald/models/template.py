"""A channel's message template: what the API accepts and stores (the engine is herald.templates)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

TEMPLATE_LIMIT_BYTES = 16 * 1024
MAX_TEMPLATE_FIELDS = 25


class TemplateField(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1, max_length=1024, description="Template of the field's label")
    value: str = Field(max_length=TEMPLATE_LIMIT_BYTES, description="Template of the field's value")


class ChannelTemplate(BaseModel):
    """Jinja templates of the message's title, body and fields; a part left out keeps Herald's own."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "title": "{{ monitor.name | default('A monitor') }} is {{ event.status }}",
                    "body": "Since {{ event.occurredAt | datetime('Europe/Berlin') }}",
                    "fields": [{"label": "Region", "value": "{{ details.region | default('—') }}"}],
                }
            ]
        },
    )

    title: str | None = Field(None, max_length=TEMPLATE_LIMIT_BYTES, description="Template of the title")
    body: str | None = Field(None, max_length=TEMPLATE_LIMIT_BYTES, description="Template of the body")
    fields: list[TemplateField] | None = Field(
        None, max_length=MAX_TEMPLATE_FIELDS, description="Templates of the fields, replacing the notification's"
    )

    @model_validator(mode="after")
    def _within_limit(self) -> ChannelTemplate:
        if self.size() > TEMPLATE_LIMIT_BYTES:
            size = self.size()
            raise ValueError(f"The template is {size} bytes; at most {TEMPLATE_LIMIT_BYTES} (16 KiB) are allowed")
        return self

    def size(self) -> int:
        """UTF-8 bytes of every template text together."""
        return sum(len(text.encode()) for _, text in self.sources())

    def sources(self) -> list[tuple[str, str]]:
        """(wire path, template text) of every part present: `body`, `fields.0.value`, ..."""
        parts = [(name, text) for name, text in (("title", self.title), ("body", self.body)) if text is not None]
        for index, field in enumerate(self.fields or []):
            parts += [(f"fields.{index}.label", field.label), (f"fields.{index}.value", field.value)]
        return parts

    def to_wire(self) -> dict[str, object]:
        return self.model_dump(mode="json", exclude_none=True)
