"""The UI's pages, one module per area; each calls the same services as the API's routes."""
