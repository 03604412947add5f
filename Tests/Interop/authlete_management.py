"""Drives warrant's management API with the official Authlete Python SDK (authlete 1.3.0) in V3 mode.

Usage: python authlete_management.py BASE_URL ORGANIZATION_TOKEN
Every step asserts what the SDK parsed back; any failure raises and exits non-zero.
"""
import json
import sys

import requests
from authlete.api.authlete_api_exception import AuthleteApiException
from authlete.dto.client import Client
from authlete.dto.client_extension import ClientExtension
from authlete.dto.scope import Scope
from authlete.dto.service import Service
from authlete.types.client_type import ClientType
from authlete.types.grant_type import GrantType
from authlete.types.response_type import ResponseType

from interop import Checks, authlete_api

base_url, organization_token = sys.argv[1], sys.argv[2]
check = Checks()


def api(token, service_id=None):
    return authlete_api(base_url, token, service_id)


# Services, with the organization token.
organization = api(organization_token)
service = Service()
service.serviceName = "Interop service"
service.issuer = "https://interop.example.com"
service.supportedGrantTypes = [GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN, GrantType.CLIENT_CREDENTIALS]
service.supportedResponseTypes = [ResponseType.CODE]
openid = Scope()
openid.name = "openid"
service.supportedScopes = [openid]
created = organization.createService(service)
service_id = created.apiKey
check(isinstance(service_id, int) and service_id > 0, "createService returns a numeric apiKey (%s)" % service_id)
check(created.serviceName == "Interop service", "createService keeps serviceName")
check(created.supportedGrantTypes == service.supportedGrantTypes, "createService keeps supportedGrantTypes as enums")
check(created.accessTokenDuration == 86400, "createService fills in accessTokenDuration")

listed = organization.getServiceList()
check(service_id in [s.apiKey for s in listed.services], "getServiceList includes the new service")
check(listed.totalCount >= 1, "getServiceList counts services")

service_scoped_org = api(organization_token, service_id)
read = service_scoped_org.getService(service_id)
check(read.issuer == "https://interop.example.com", "getService reads the issuer")
read.serviceName = "Renamed by the SDK"
read.idTokenReissuable = True
updated = service_scoped_org.updateService(read)
check(updated.serviceName == "Renamed by the SDK" and updated.idTokenReissuable, "updateService applies changes")

# A service access token for the rest (our extension: created with the organization token).
response = requests.post(
    "%s/api/%s/service/token/create" % (base_url, service_id),
    headers={"Authorization": "Bearer " + organization_token, "Content-Type": "application/json"},
    data=json.dumps({"description": "interop"}))
check(response.status_code == 201, "service access token created")
service_token = response.json()["accessToken"]
authlete = api(service_token, service_id)

# Clients, with the service access token.
client = Client()
client.clientName = "Interop client"
client.clientType = ClientType.CONFIDENTIAL
client.redirectUris = ["https://client.example.com/callback"]
client.grantTypes = [GrantType.AUTHORIZATION_CODE, GrantType.REFRESH_TOKEN]
client.responseTypes = [ResponseType.CODE]
client.developer = "interop"
extension = ClientExtension()
extension.tokenExchangePermitted = True
client.extension = extension
registered = authlete.createClient(client)
check(registered.clientId > 0, "createClient returns a clientId (%s)" % registered.clientId)
check(registered.clientSecret is not None and len(registered.clientSecret) == 43, "createClient returns a 256-bit secret")
check(registered.clientType == ClientType.CONFIDENTIAL, "createClient keeps clientType as an enum")
check(registered.extension.tokenExchangePermitted, "createClient keeps extension.tokenExchangePermitted")

fetched = authlete.getClient(registered.clientId)
check(fetched.clientName == "Interop client", "getClient reads the client")
check(fetched.clientSecret is None, "getClient does not reveal the secret")
check(fetched.redirectUris == ["https://client.example.com/callback"], "getClient reads redirectUris")

fetched.clientName = "Renamed client"
changed = authlete.updateClient(fetched)
check(changed.clientName == "Renamed client", "updateClient applies changes")

clients = authlete.getClientList(developer="interop")
check(clients.totalCount == 1 and clients.clients[0].clientId == registered.clientId, "getClientList filters by developer")

refreshed = authlete.refreshClientSecret(registered.clientId)
check(refreshed.newClientSecret and refreshed.newClientSecret != registered.clientSecret, "refreshClientSecret returns a new secret")

try:
    bad = Client()
    bad.redirectUris = ["http://not-loopback.example.com/cb"]
    authlete.createClient(bad)
    raise AssertionError("a plain-http redirect URI was accepted")
except AuthleteApiException as error:
    check(error.response.status_code == 400, "createClient refuses a plain-http redirect URI with 400")
    check("redirectUris/0" in error.response.text, "the 400 names the field")

# Keys and discovery.
jwks = json.loads(authlete.getServiceJwks())
check(sorted(key["alg"] for key in jwks["keys"]) == ["ES256", "EdDSA", "PS256", "RS256"], "getServiceJwks lists the four keys")
check(all("d" not in key for key in jwks["keys"]), "getServiceJwks leaves out private parts")
configuration = json.loads(authlete.getServiceConfiguration())
check(configuration["issuer"] == "https://interop.example.com", "getServiceConfiguration returns the issuer")
check(configuration["grant_types_supported"] == ["authorization_code", "refresh_token", "client_credentials"],
      "getServiceConfiguration lists the grant types")

# Deleting.
authlete.deleteClient(registered.clientId)
try:
    authlete.getClient(registered.clientId)
    raise AssertionError("a deleted client was found")
except AuthleteApiException as error:
    check(error.response.status_code == 404, "getClient after deleteClient is a 404")

try:
    api(service_token).getServiceList()
    raise AssertionError("a service access token listed services")
except AuthleteApiException as error:
    check(error.response.status_code == 403, "a service access token may not list services (403)")

service_scoped_org.deleteService(service_id)
try:
    service_scoped_org.getService(service_id)
    raise AssertionError("a deleted service was found")
except AuthleteApiException as error:
    check(error.response.status_code == 404, "getService after deleteService is a 404")

check.summary()
