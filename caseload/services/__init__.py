"""Services: the verbs of the product. They commit or roll back; views never do."""
