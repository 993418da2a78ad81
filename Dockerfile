# Segmenter web host. `docker compose up` builds it and runs it beside PostgreSQL.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Segmenter.Core/Segmenter.Core.csproj src/Segmenter.Core/
COPY src/Segmenter.Web/Segmenter.Web.csproj src/Segmenter.Web/
RUN dotnet restore src/Segmenter.Web/Segmenter.Web.csproj
COPY src/ src/
RUN dotnet publish src/Segmenter.Web/Segmenter.Web.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://0.0.0.0:8080
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "Segmenter.Web.dll"]
