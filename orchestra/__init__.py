"""orchestra: an async, embeddable engine for the Amazon States Language."""
