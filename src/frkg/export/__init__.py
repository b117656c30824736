"""The static export (``frkg build``): every document the app serves written to files, with the
nginx and Apache configurations that negotiate among them as the app does."""
