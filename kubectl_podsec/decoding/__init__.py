"""Decoding manifests as kubectl does, within its limits: bytes to documents
(chunks), documents to values (parse), values checked and put in JSON form
(shape), and whole streams (streams). Standard library and PyYAML only."""
