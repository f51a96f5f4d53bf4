"""The data dictionary's pure logic: what an entry is, what a prompt may carry, the rule-based writer,
human overrides, and which entries need writing again."""
