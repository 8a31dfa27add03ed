"""The IMA Open API's JSON, as pydantic models (PROTOCOL.md).

Lenient where the server is loose: unknown fields are ignored, optional ones may be missing or
null, and numbers may arrive as strings (or ids as numbers). Strict where we send: the create
body has exactly the fields of PROTOCOL.md section 2.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

T = TypeVar("T")

#: Business codes that mean success.
SUCCESS_CODES = frozenset({0, 200})


def _as_text(value: Any) -> Any:
    """Numbers become their text ("3", "1024"); None stays None for Optional fields."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _as_text_or_empty(value: Any) -> Any:
    return "" if value is None else _as_text(value)


def _none_to_list(value: Any) -> Any:
    return [] if value is None else value


def _status_number(value: Any) -> Any:
    """resource_status: null or "" means 0 (pending); "1" means 1."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    return value


def _optional_int(value: Any) -> Any:
    """Width/height: "" or null mean unknown; "1024" means 1024."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def _text_dict(value: Any) -> Any:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): _as_text_or_empty(v) for k, v in value.items()}
    return value


Text = Annotated[str, BeforeValidator(_as_text_or_empty)]
OptText = Annotated[str | None, BeforeValidator(_as_text)]
OptInt = Annotated[int | None, BeforeValidator(_optional_int)]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Envelope(_Lenient, Generic[T]):
    """Every answer: ``{"code", "message", "data"}``; code 0 or 200 is success."""

    code: int
    message: Text = ""
    data: T | None = None

    @property
    def ok(self) -> bool:
        return self.code in SUCCESS_CODES


class RawEnvelope(_Lenient):
    """The envelope with ``data`` left unparsed: read first, to decide success or error."""

    code: int
    message: Text = ""
    data: Any = None


# --- product list ------------------------------------------------------------------------------
class FormOption(_Lenient):
    label: Text = ""
    value: Text


class FormField(_Lenient):
    """One entry of a leaf's ``form_config``: a parameter, its default and its options."""

    field: str
    type: Text = ""
    label: Text = ""
    value: OptText = None
    options: Annotated[list[FormOption], BeforeValidator(_none_to_list)] = Field(
        default_factory=list
    )
    is_ui_virtual: Annotated[bool, BeforeValidator(lambda v: bool(v))] = False

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)


class CreditRule(_Lenient):
    """A price: the ``attribute_id`` and ``points`` for one combination of attributes."""

    attribute_id: int
    points: int
    origin_point: OptInt = None
    attributes: Annotated[dict[str, str], BeforeValidator(_text_dict)] = Field(default_factory=dict)


class Tag(_Lenient):
    tag_type: Text = ""
    tag_value: Text = ""


class ProductNode(_Lenient):
    """A node of the product tree: a group (``type`` "2") or a version leaf (``type`` "3")."""

    id: Text = ""
    type: Text = ""
    name: Text = ""
    model_id: Text = ""
    children: Annotated[list[ProductNode], BeforeValidator(_none_to_list)] = Field(
        default_factory=list
    )
    form_config: Annotated[list[FormField], BeforeValidator(_none_to_list)] = Field(
        default_factory=list
    )
    credit_rules: Annotated[list[CreditRule], BeforeValidator(_none_to_list)] = Field(
        default_factory=list
    )
    tags: Annotated[list[Tag], BeforeValidator(_none_to_list)] = Field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return self.type == "3"

    def tag(self, tag_type: str) -> str | None:
        """The first tag of a type (``EET`` is the expected time, ``point`` the price range)."""
        for tag in self.tags:
            if tag.tag_type == tag_type:
                return tag.tag_value
        return None


ProductList = list[ProductNode]


# --- create ----------------------------------------------------------------------------------
class CreateParameter(BaseModel):
    """One entry of the create body's ``parameters``."""

    model_config = ConfigDict(extra="forbid")

    attribute_id: int
    model_id: str
    model_name: str
    model_version: str
    app: str = "ima"
    platform: str = "web"
    category: str
    credit: int
    #: The inner parameters: form defaults, the rule's values, the user's choices, the prompt,
    #: ``n``, ``input_images`` and ``cast``.
    parameters: dict[str, Any]


class CreateRequest(BaseModel):
    """The body of ``POST /open/v1/tasks/create`` (PROTOCOL.md section 2)."""

    model_config = ConfigDict(extra="forbid")

    task_type: str
    enable_multi_model: bool = False
    src_img_url: list[str] = Field(default_factory=list)
    parameters: list[CreateParameter]


class Media(_Lenient):
    """One output of a task, as ``detail`` reports it."""

    resource_status: Annotated[int, BeforeValidator(_status_number)] = 0
    status: Text = ""
    url: OptText = None
    watermark_url: OptText = None
    preview_url: OptText = None
    cover_url: OptText = None
    width: OptInt = None
    height: OptInt = None
    format: OptText = None
    error_msg: OptText = None
    remark: OptText = None


class CreateResponse(_Lenient):
    """``data`` of a create answer; poll with ``id`` (not ``biz_id``)."""

    id: Text
    biz_id: OptText = None
    medias: Annotated[list[Media], BeforeValidator(_none_to_list)] = Field(default_factory=list)
    created_at: OptInt = None
    timeout_at: OptInt = None


class TaskDetail(_Lenient):
    """``data`` of a detail answer."""

    id: OptText = None
    medias: Annotated[list[Media], BeforeValidator(_none_to_list)] = Field(default_factory=list)


# --- upload ----------------------------------------------------------------------------------
class UploadToken(_Lenient):
    """``data`` of the upload-token answer: PUT the bytes to ``ful``, then use ``fdl``."""

    ful: str
    fdl: str
    ful_expire: OptText = None
    fdl_expire: OptText = None
    fdl_key: OptText = None
