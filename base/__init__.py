"""The ground floor: the vocabulary every other package shares, importing no other package of Hudhud.

Turns and reply parts (`turn`), the Responder and CommandRouter interfaces (`responder`, `commands`),
settings (`settings`, `bots`), every Redis key (`keys`), texts composed in code (`wording`) and typed
YAML files (`yamlfile`). docs/architecture.md shows the floors above it.
"""
