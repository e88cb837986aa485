"""Legacy Word formats (.doc, .wps) through LibreOffice headless, then as DOCX."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ogi.extract.errors import MissingTool, UnreadableDocument

CONVERT_TIMEOUT_S = 120


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(data: bytes, name: str, suffix: str) -> bytes:
    binary = soffice()
    if binary is None:
        raise MissingTool(f"{name}: reading {suffix} needs LibreOffice (soffice), which is not installed")
    with tempfile.TemporaryDirectory(prefix="ogi-soffice-") as tmp:
        src = Path(tmp) / f"input{suffix}"
        src.write_bytes(data)
        cmd = [
            binary, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
            "--convert-to", "docx:MS Word 2007 XML", "--outdir", tmp, str(src),
        ]  # fmt: skip
        try:
            subprocess.run(cmd, capture_output=True, timeout=CONVERT_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise UnreadableDocument(f"{name}: LibreOffice conversion timed out") from exc
        out = Path(tmp) / "input.docx"
        if not out.exists():
            raise UnreadableDocument(f"{name}: LibreOffice could not convert this {suffix} file")
        return out.read_bytes()
