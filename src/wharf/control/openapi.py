"""The control plane's own JSON APIs in the OpenAPI document: the cluster CA, client
bundles and their keys, and the audit log. (The Docker API it fronts has its own
specification; the TOML settings are a document, not JSON.)"""

from __future__ import annotations

from wharf.access.openapi import PAGING
from wharf.core.openapi import (
    BINARY,
    BOOLEAN,
    INTEGER,
    STRING,
    TIMESTAMP,
    Operation,
    Param,
    Schema,
    array,
    obj,
    ref,
    request,
)

_TAG = "Client bundles and audit"
_KEYS = "/accounts/{name}/publicKeys"

PATH_PARAMETERS: dict[str, Schema] = {"key_id": STRING}

COMPONENTS: dict[str, Schema] = {
    "PublicKey": obj(
        {
            "id": STRING,
            "accountID": STRING,
            "label": STRING,
            "publicKey": STRING,
            "fingerprint": STRING,
            "createdAt": TIMESTAMP,
            "expiresAt": TIMESTAMP,
        }
    ),
}

_BUNDLE_QUERY = (Param("label", description="names the bundle in the account's key list"),)
_ZIP = "application/zip"

OPERATIONS: list[Operation] = [
    Operation(
        "GET",
        "/ca",
        "The cluster CA's certificate (PEM), which signs the Docker endpoint and bundles",
        _TAG,
        STRING,
        response_type="application/x-pem-file",
        auth="none",
    ),
    *(
        Operation(
            method,
            "/api/clientbundle",
            "A new client bundle for the caller: a zip with a key, a certificate, the CA "
            "and env scripts that point docker at Wharf",
            _TAG,
            BINARY,
            response_type=_ZIP,
            query=_BUNDLE_QUERY,
        )
        for method in ("GET", "POST")
    ),
    Operation(
        "GET",
        _KEYS,
        "The public keys of an account's client bundles (its own, a service account's "
        "for its organization's owners, any for admins)",
        _TAG,
        obj({"accountPublicKeys": array(ref("PublicKey")), "nextPageStart": STRING}),
        query=PAGING,
    ),
    Operation("GET", _KEYS + "/{key_id}", "One bundle key", _TAG, ref("PublicKey")),
    Operation(
        "PATCH",
        _KEYS + "/{key_id}",
        "Rename a bundle key",
        _TAG,
        ref("PublicKey"),
        body=request({"label": STRING}, ["label"]),
    ),
    Operation(
        "DELETE",
        _KEYS + "/{key_id}",
        "Revoke a bundle: its certificate is refused from the next request",
        _TAG,
        status=204,
    ),
    Operation(
        "GET",
        "/api/audit",
        "The latest Docker API decisions, newest first (admins)",
        _TAG,
        obj(
            {
                "events": array(
                    obj(
                        {
                            "time": TIMESTAMP,
                            "user": STRING,
                            "method": STRING,
                            "path": STRING,
                            "operations": array(STRING),
                            "collections": array(STRING),
                            "allowed": BOOLEAN,
                            "status": INTEGER,
                            "message": STRING,
                        }
                    )
                )
            }
        ),
        query=(
            Param("limit", {"type": "integer", "minimum": 1}, description="at most 1000"),
            Param("denied", description="true: only refusals"),
        ),
    ),
]
