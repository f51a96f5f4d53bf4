"""What Studio computes without a server, a database or a browser: tested directly."""
