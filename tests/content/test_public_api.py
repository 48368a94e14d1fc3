from __future__ import annotations

import clairon.ai
import clairon.content


def test_all_lists_exactly_the_public_names() -> None:
    for module in (clairon.ai, clairon.content):
        public = {n for n in vars(module) if not n.startswith("_") and n != "annotations"}
        public -= {"base", "openai_compat", "registry", "prompts", "local"}  # submodules
        public = {n for n in public if not isinstance(getattr(module, n), type(clairon))}
        assert set(module.__all__) == public, module.__name__
