#!/bin/sh
# The "system browser" of the OAuth end-to-end test (CHATENIUM_TEST_OPENER): it follows the
# identity provider's redirects back to the app's loopback listener, as a browser does once the
# user has signed in there.
exec curl --silent --location --max-redirs 5 --output /dev/null "$1"
