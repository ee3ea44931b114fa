"""The web page: draw, watch, rate and browse pictures in a browser."""
