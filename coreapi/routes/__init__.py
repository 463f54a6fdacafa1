"""HTTP routes, one module per resource. Every route has an operationId tools can be derived from."""
