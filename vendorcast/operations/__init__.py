"""What an operator does to a running deployment: read its state (status), pull report windows again (repull), and
send dead-lettered messages back to their queue (redrive). The `vendorcast` CLI only parses and prints."""
