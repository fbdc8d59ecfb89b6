"""The project package: `kernel` (the bottom layer), `site` (the top layer) and the settings.

The apps in between (`contracts`, `disputes`, `reputation`) use the kernel; the site uses them.
"""
