"""Drive v3's URL layout: ``/drive/v3/...`` for metadata, ``/upload/drive/v3/files`` for media."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from ..tokens import TokenStore
from . import changes, content, files, sharing, uploads
from .context import Ctx, drive_endpoint
from .store import DriveStore

V3 = "/drive/v3"


def routes(store: DriveStore, tokens: TokenStore) -> list[Route]:
    read = drive_endpoint(store, tokens)
    write = drive_endpoint(store, tokens, write=True)

    def session_ctx(request: Request, viewer: str) -> Ctx:
        return Ctx(request, store, viewer, str(request.base_url).rstrip("/"))

    put = uploads.resumable_put(store, session_ctx)
    return [
        Route(f"{V3}/files", read(files.list_files), methods=["GET"]),
        Route(f"{V3}/files", write(files.create_file), methods=["POST"]),
        Route(f"{V3}/files/generateIds", read(files.generate_ids), methods=["GET"]),
        Route(f"{V3}/files/{{fileId}}", read(files.get_file), methods=["GET"]),
        Route(f"{V3}/files/{{fileId}}", write(files.update_file), methods=["PATCH"]),
        Route(f"{V3}/files/{{fileId}}", write(files.delete_file), methods=["DELETE"]),
        Route(f"{V3}/files/{{fileId}}/export", read(content.export), methods=["GET"]),
        Route(f"{V3}/files/{{fileId}}/copy", write(files.copy_file), methods=["POST"]),
        Route(f"{V3}/files/{{fileId}}/permissions", read(sharing.list_permissions), methods=["GET"]),
        Route(f"{V3}/files/{{fileId}}/permissions", write(sharing.create_permission), methods=["POST"]),
        Route(f"{V3}/files/{{fileId}}/permissions/{{permissionId}}", read(sharing.get_permission), methods=["GET"]),
        Route(
            f"{V3}/files/{{fileId}}/permissions/{{permissionId}}", write(sharing.delete_permission), methods=["DELETE"]
        ),
        Route(
            f"{V3}/files/{{fileId}}/permissions/{{permissionId}}", write(sharing.update_permission), methods=["PATCH"]
        ),
        Route(f"{V3}/changes/startPageToken", read(changes.start_page_token), methods=["GET"]),
        Route(f"{V3}/changes", read(changes.list_changes), methods=["GET"]),
        Route(f"{V3}/drives", read(changes.list_drives), methods=["GET"]),
        Route(f"{V3}/drives/{{driveId}}", read(changes.get_drive), methods=["GET"]),
        Route(f"{V3}/about", read(changes.about), methods=["GET"]),
        Route("/upload/drive/v3/files", write(uploads.initiate_or_upload), methods=["POST"]),
        Route("/upload/drive/v3/files", put, methods=["PUT"]),
        Route("/upload/drive/v3/files/{fileId}", write(uploads.initiate_or_upload), methods=["PATCH"]),
        Route("/upload/drive/v3/files/{fileId}", put, methods=["PUT"]),
    ]
