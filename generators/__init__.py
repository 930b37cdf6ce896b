"""mdcontract generators: the markdown importer (md -> IR -> OpenAPI), the overlay applier and the docs generator."""
