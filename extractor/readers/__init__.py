"""Format readers: bytes in, ``Document`` out, one module per format (text layers; scans are
``extractor.ocr``'s). ``extractor.reading`` holds the registry that picks one by content."""
