"""What the interoperability scripts share: counting checks, and the Authlete SDK in V3 mode."""
from authlete.api.authlete_api_impl import AuthleteApiImpl
from authlete.conf.authlete_configuration import AuthleteConfiguration

import sdk_models

sdk_models.install()


class Checks:
    """Asserts with a message, counts what passed, and ends with the 'N passed, N failed' line."""

    def __init__(self):
        self.passed = 0

    def __call__(self, condition, what):
        if not condition:
            raise AssertionError(what)
        self.passed += 1
        print("ok:", what)

    def summary(self):
        sdk_models.report()
        print("%d passed, 0 failed" % self.passed)


def authlete_api(base_url, token, service_id=None):
    """The Authlete SDK pointed at warrant: V3, a bearer token, and the service the calls are about."""
    configuration = AuthleteConfiguration()
    configuration.apiVersion = "V3"
    configuration.baseUrl = base_url
    configuration.serviceAccessToken = token
    configuration.serviceApiKey = None if service_id is None else str(service_id)
    return AuthleteApiImpl(configuration)
