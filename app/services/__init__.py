"""Domain logic shared by the pages, the API, the sockets and the CLI."""
