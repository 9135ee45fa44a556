"""``/api/v0`` in the OpenAPI document: repositories, their team access and their images,
shaped as ``api_v0.py`` and ``api_v0_images.py`` answer."""

from __future__ import annotations

from wharf.access.openapi import PAGING
from wharf.core.openapi import (
    ANY_OBJECT,
    INTEGER,
    STRING,
    TIMESTAMP,
    Operation,
    Param,
    Schema,
    array,
    nullable,
    obj,
    ref,
    request,
)
from wharf.registry.api_v0 import VISIBILITIES
from wharf.registry.names import COMPONENT, HEX_LENGTHS, TAG
from wharf.registry.permissions import ACCESS_LEVELS

_TAG = "Repositories"
_BASE = "/api/v0/repositories"
_VISIBILITY: Schema = {"type": "string", "enum": list(VISIBILITIES)}
_LEVEL: Schema = {"type": "string", "enum": list(ACCESS_LEVELS)}

_COMPONENT_SCHEMA: Schema = {"type": "string", "pattern": f"^{COMPONENT}$", "maxLength": 255}
PATH_PARAMETERS: dict[str, Schema] = {
    "namespace": _COMPONENT_SCHEMA,
    "repo": _COMPONENT_SCHEMA,
    "tag": {"type": "string", "pattern": TAG.pattern},
    "digest": {
        "type": "string",
        "pattern": "|".join(f"^{alg}:[a-f0-9]{{{n}}}$" for alg, n in HEX_LENGTHS.items()),
    },
}

_REPOSITORY_FIELDS: dict[str, Schema] = {
    "id": STRING,
    "namespace": STRING,
    "name": STRING,
    "fullName": STRING,
    "visibility": _VISIBILITY,
    "shortDescription": STRING,
    "longDescription": STRING,
    "createdAt": TIMESTAMP,
    "updatedAt": TIMESTAMP,
    "tagCount": INTEGER,
}

_MANIFEST_CORE: dict[str, Schema] = {
    "repository": STRING,
    "digest": STRING,
    "mediaType": STRING,
    "artifactType": nullable(STRING),
    "manifestSize": INTEGER,
    "size": INTEGER,
    "pushedAt": TIMESTAMP,
    "annotations": ANY_OBJECT,
    "kind": {"type": "string", "enum": ["index", "image", "other"]},
    "tag": nullable(STRING),
}

COMPONENTS: dict[str, Schema] = {
    "Repository": obj(_REPOSITORY_FIELDS, [k for k in _REPOSITORY_FIELDS if k != "tagCount"]),
    "TeamAccess": obj({"team": obj({"name": STRING}), "accessLevel": _LEVEL}),
    # The detail of an image (config, layers, history) or an index (its platforms) varies
    # with the kind; the fields every manifest has are fixed.
    "ManifestDetail": obj(_MANIFEST_CORE, closed=False),
}

REPOSITORY, TEAM_ACCESS = ref("Repository"), ref("TeamAccess")

_REPOSITORY_BODY = {
    "visibility": _VISIBILITY,
    "shortDescription": STRING,
    "longDescription": STRING,
}

_LISTS = (
    (_BASE, "Repositories the caller may pull (anonymous callers: the public ones)"),
    (_BASE + "/{namespace}", "A namespace's repositories the caller may pull"),
)

OPERATIONS: list[Operation] = [
    *(
        Operation(
            "GET",
            path,
            summary,
            _TAG,
            obj({"repositories": array(REPOSITORY), "nextPageStart": STRING}),
            query=PAGING,
            auth="optional",
        )
        for path, summary in _LISTS
    ),
    Operation(
        "POST",
        _BASE + "/{namespace}",
        "Create a repository (the namespace's owner, an organization's owners, admins)",
        _TAG,
        REPOSITORY,
        status=201,
        body=request({"name": _COMPONENT_SCHEMA, **_REPOSITORY_BODY}, ["name"]),
    ),
    Operation(
        "GET",
        _BASE + "/{namespace}/{repo}",
        "One repository, with its tag count",
        _TAG,
        REPOSITORY,
        auth="optional",
    ),
    Operation(
        "PATCH",
        _BASE + "/{namespace}/{repo}",
        "Change visibility or descriptions (repository admins)",
        _TAG,
        REPOSITORY,
        body=request(_REPOSITORY_BODY),
        auth="optional",
    ),
    Operation(
        "DELETE",
        _BASE + "/{namespace}/{repo}",
        "Delete a repository with its tags and manifests (repository admins)",
        _TAG,
        status=204,
        auth="optional",
    ),
    Operation(
        "GET",
        _BASE + "/{namespace}/{repo}/tags",
        "Every tag with its manifest",
        _TAG,
        array(
            obj(
                {
                    "name": STRING,
                    "digest": STRING,
                    "updatedAt": TIMESTAMP,
                    "mediaType": STRING,
                    "manifestSize": INTEGER,
                }
            )
        ),
        auth="optional",
    ),
    Operation(
        "GET",
        _BASE + "/{namespace}/{repo}/teamAccess",
        "The teams with access to an organization's repository (repository admins)",
        _TAG,
        obj({"teamAccessList": array(TEAM_ACCESS)}),
        auth="optional",
    ),
    Operation(
        "GET",
        _BASE + "/{namespace}/{repo}/teamAccess/{team}",
        "One team's access",
        _TAG,
        TEAM_ACCESS,
        auth="optional",
    ),
    Operation(
        "PUT",
        _BASE + "/{namespace}/{repo}/teamAccess/{team}",
        "Give a team read-only, read-write or admin access",
        _TAG,
        TEAM_ACCESS,
        body=request({"accessLevel": _LEVEL}, ["accessLevel"]),
        auth="optional",
    ),
    Operation(
        "DELETE",
        _BASE + "/{namespace}/{repo}/teamAccess/{team}",
        "Take a team's access away",
        _TAG,
        status=204,
        auth="optional",
    ),
    Operation(
        "GET",
        _BASE + "/{namespace}/{repo}/images",
        "Tags with their manifests' sizes and platforms, filtered and paged",
        _TAG,
        obj(
            {
                "tags": array(
                    obj(
                        {
                            "name": STRING,
                            "digest": STRING,
                            "mediaType": STRING,
                            "artifactType": nullable(STRING),
                            "manifestSize": INTEGER,
                            "size": INTEGER,
                            "platforms": array(STRING),
                            "updatedAt": TIMESTAMP,
                        }
                    )
                ),
                "nextPageStart": STRING,
            }
        ),
        query=(Param("contains", description="part of the tag name"), *PAGING),
        auth="optional",
    ),
    Operation(
        "GET",
        _BASE + "/{namespace}/{repo}/tags/{tag}",
        "The manifest a tag points at, in detail",
        _TAG,
        obj({**_MANIFEST_CORE, "updatedAt": TIMESTAMP}, closed=False),
        auth="optional",
    ),
    Operation(
        "GET",
        _BASE + "/{namespace}/{repo}/manifests/{digest}",
        "One manifest, in detail",
        _TAG,
        ref("ManifestDetail"),
        auth="optional",
    ),
    Operation(
        "GET",
        _BASE + "/{namespace}/{repo}/myAccess",
        "What the caller may do with a repository",
        _TAG,
        obj({"repository": STRING, "actions": array(STRING)}),
        auth="optional",
    ),
]
