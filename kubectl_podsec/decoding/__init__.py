"""Decoding manifests as kubectl does, within its limits: bytes to documents
(chunks), documents to values (parse; YAML by go-yaml v2's rules: loader,
scalars), values checked and put in JSON form (shape), whole streams (streams),
and kubectl's own check of metadata types (metadata). Standard library and
PyYAML only."""
