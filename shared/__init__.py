"""The common library every connector is built on. It knows no connector."""
