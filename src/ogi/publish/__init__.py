"""Publishing the warehouse for readers: the oversight report site and spreadsheet exports."""
