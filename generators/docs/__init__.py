"""The docs generator: spec/<api>.yaml -> docs/<api>.md in the source's own style, an offline HTML
reference per API, and the drift report between a hand-written doc and the spec.

Every markdown page is written so that the importer reads it back into the same contract
(``generators.docs.compare`` says what "the same" means), which is what the tests hold it to.
"""
