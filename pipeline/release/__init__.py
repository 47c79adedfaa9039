"""What a build leaves behind and what happens to it later: the manifest, the up-to-date record,
sealed versions (seal, verify) and the differences between versions (diff, change summary, redlines)."""
