"""Graph v1.0 drives: OneDrive for Business and SharePoint document libraries (routes.py is the entry)."""
