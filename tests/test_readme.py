"""The README's tool tables are generated from the declarations; this keeps them current."""

import re
from pathlib import Path

from shared.connector import installed_connectors
from shared.toolstable import markdown_table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_tool_tables_are_current():
    block = re.search(r"<!-- tools:begin -->\n(.*)\n<!-- tools:end -->", README.read_text(), re.S)
    assert block, "README lost its tools markers"
    assert block.group(1) == markdown_table(list(installed_connectors().values())), (
        "stale: paste the output of `connectors tools`"
    )


def test_readme_names_the_two_commands():
    text = README.read_text()
    assert "python3 dev.py demo" in text and "python3 dev.py test" in text
