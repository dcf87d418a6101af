from django.urls import path

from interop.api import case

app_name = "case"

urlpatterns = [
    path("CFDocuments", case.CFDocumentListApi.as_view(), name="documents"),
    path("CFDocuments/<str:sourced_id>", case.CFDocumentApi.as_view(), name="document"),
    path("CFPackages/<str:sourced_id>", case.CFPackageApi.as_view(), name="package"),
    path("CFItems/<str:sourced_id>", case.CFItemApi.as_view(), name="item"),
    path("CFItemAssociations/<str:sourced_id>", case.CFItemAssociationsApi.as_view(), name="item-associations"),
    path("CFAssociations/<str:sourced_id>", case.CFAssociationApi.as_view(), name="association"),
    path("CFRubrics/<str:sourced_id>", case.CFRubricApi.as_view(), name="rubric"),
    path("CFRubricCriteria/<str:sourced_id>", case.CFRubricCriterionApi.as_view(), name="rubric-criterion"),
    path(
        "CFRubricCriterionLevels/<str:sourced_id>",
        case.CFRubricCriterionLevelApi.as_view(),
        name="rubric-criterion-level",
    ),
    path("CFItemTypes/<str:sourced_id>", case.CFItemTypeApi.as_view(), name="item-type"),
    path("CFDefinitions/<str:sourced_id>", case.CFDefinitionsApi.as_view(), name="definitions"),
]
