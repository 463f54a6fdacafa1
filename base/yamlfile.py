"""Reading a YAML file into a pydantic model, with one-line errors naming the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class YamlFileError(ValueError):
    pass


def read_model(path: Path, model: type[M]) -> M:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return model.model_validate(data)
    except OSError as exc:
        raise YamlFileError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise YamlFileError(f"{path} is not valid YAML: {exc}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise YamlFileError(f"{path}: {where}: {err['msg']}") from None
